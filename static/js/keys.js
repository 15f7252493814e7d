// Keyboard shortcuts, a progressive enhancement: j and k move between the stories or articles
// of a list (elements marked data-nav-item), o opens the current one (its heading's link). Keys
// typed into a field, or with a modifier, are left alone. Every page works without this script.
(function () {
  "use strict";
  var current = -1;
  var LINK = "h2 a[href], h3 a[href]";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-nav-item]"));
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    if (current >= 0 && list[current]) list[current].classList.remove("is-current");
    current = Math.max(0, Math.min(list.length - 1, current + step));
    var item = list[current];
    item.classList.add("is-current");
    var link = item.querySelector(LINK);
    if (link) link.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "j") {
      move(1);
    } else if (event.key === "k") {
      move(-1);
    } else if (event.key === "o") {
      var item = items()[current];
      var link = item && item.querySelector(LINK);
      if (link) link.click();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
