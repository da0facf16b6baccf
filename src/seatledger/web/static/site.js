// Every page's behaviour (a file, as the Content-Security-Policy forbids inline scripts):
// on narrow screens the top navigation folds behind its Menu button, and an open dropdown
// closes on Escape, handing focus back to the control that opened it.
(() => {
  const bar = document.querySelector(".topbar");
  const toggle = bar && bar.querySelector(".nav-toggle");
  if (toggle) {
    bar.classList.add("collapsible");  // without this script the navigation simply stays open
    toggle.addEventListener("click", () => {
      toggle.setAttribute("aria-expanded", String(bar.classList.toggle("open")));
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of document.querySelectorAll("details.dropdown[open]")) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
