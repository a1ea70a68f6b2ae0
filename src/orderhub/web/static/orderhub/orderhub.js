// Behaviour that would otherwise be inline event handlers, which the Content-Security-Policy forbids.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});
// A table or region that scrolls sideways (narrow screens) must be reachable by keyboard.
function markScrollable() {
  document.querySelectorAll(".table-scroll, main table").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth + 1) { el.setAttribute("tabindex", "0"); }
  });
}
document.addEventListener("DOMContentLoaded", markScrollable);
window.addEventListener("resize", markScrollable);
document.addEventListener("htmx:afterSettle", markScrollable);
