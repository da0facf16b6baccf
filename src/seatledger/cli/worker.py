"""The ``worker`` command: run export jobs from the queue (``SEATLEDGER_QUEUE_URL``)."""

from __future__ import annotations

import logging

import typer

from seatledger.cli.context import open_ledger


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(workers: int = typer.Option(2, "--workers", min=1, help="Worker threads.")) -> None:
        """Run emailed-report jobs from the queue until interrupted (Ctrl-C finishes the running job)."""
        from seatledger.exports.queue import ExportQueue

        settings, engine = open_ledger(create=True)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        queue = ExportQueue(settings, engine)
        where = settings.queue_url or str(settings.data_dir / "queue.db")
        typer.echo(f"seatledger worker: {workers} thread(s) on {where}", err=True)
        sweeper = queue.start_sweeper()  # jobs a dead worker left running: retried or failed
        try:
            queue.consumer(workers).run()
        finally:
            sweeper.stop()
