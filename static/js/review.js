// The review queue's keyboard: j/k move between articles, p and u press the current row's
// buttons (data-key). Without this script every button still works as a plain form post.
(function () {
  "use strict";
  var KEY = "review-queue-position";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".review-row"));
  }

  function current() {
    var all = rows();
    var active = document.activeElement && document.activeElement.closest(".review-row");
    return active ? all.indexOf(active) : -1;
  }

  function move(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row) { row.classList.remove("is-current"); });
    all[index].classList.add("is-current");
    all[index].focus();
  }

  function typing(target) {
    return target && target.closest && target.closest("input, select, textarea, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var index = current();
    if (event.key === "j") {
      move(index + 1);
    } else if (event.key === "k") {
      move(index < 0 ? 0 : index - 1);
    } else if (event.key === "p" || event.key === "u") {
      if (index < 0) return;
      var button = rows()[index].querySelector('button[data-key="' + event.key + '"]');
      if (!button) return;
      try { sessionStorage.setItem(KEY, String(index)); } catch (e) { /* storage off */ }
      button.click();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try {
      saved = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY);
    } catch (e) { /* storage off */ }
    // After a decision the decided row is gone: the same position holds the next article.
    if (saved !== null) move(parseInt(saved, 10) || 0);
  });
})();
