// Keyboard navigation of a diff: j / n for the next change, k / p for the previous.
// A static file (the CSP forbids inline script); the page works without it.
"use strict";
(function () {
  function changes() { return Array.prototype.slice.call(document.querySelectorAll(".change[id^='change-']")); }
  function current(list) {
    var at = list.indexOf(document.activeElement);
    if (at >= 0) { return at; }
    var hash = window.location.hash.slice(1);
    return list.findIndex(function (el) { return el.id === hash; });
  }
  function go(step) {
    var list = changes();
    if (!list.length) { return; }
    var at = current(list);
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + step, 0), list.length - 1);
    var el = list[next];
    history.replaceState(null, "", "#" + el.id);
    el.focus();
    el.scrollIntoView({ block: "center" });
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) { return; }
    if (event.key === "j" || event.key === "n") { go(1); event.preventDefault(); }
    if (event.key === "k" || event.key === "p") { go(-1); event.preventDefault(); }
  });
}());
