// A <select> or date picker with data-autosubmit sends its form when changed (a file, not an inline handler: the
// Content-Security-Policy runs no inline script).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
