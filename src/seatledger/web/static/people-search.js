// Lists the people matching the search box as you type, from the enterprise's people.json
// (the same server-side search as the results page). Without scripts the form still works.
(function () {
  function attach(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    if (!input || !list) return;
    var asked = 0;
    input.addEventListener("input", function () {
      var text = input.value.trim();
      var mine = ++asked;
      if (text.length < 2) { list.hidden = true; list.replaceChildren(); return; }
      fetch(form.dataset.suggest + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { people: [] }; })
        .then(function (data) {
          if (mine !== asked) return;  // an answer to an older keystroke
          list.replaceChildren();
          data.people.forEach(function (p) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = p.url;
            a.textContent = p.handle + (p.name ? " · " + p.name : "");
            var why = document.createElement("span");
            why.className = "muted";
            why.textContent = " " + p.matched;
            li.append(a, why);
            list.append(li);
          });
          list.hidden = data.people.length === 0;
          list.dataset.ready = "true";
        });
    });
  }
  function init() { document.querySelectorAll("form.people-search").forEach(attach); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
