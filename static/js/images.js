// Remote images that fail to load (a dead link, a host that is down) give way to a neutral box
// of the same size: no broken-image icon, and the card or page keeps its layout. A progressive
// enhancement: without it the stylesheet covers a broken image's icon with the same neutral box.
(function () {
  "use strict";

  function replace(img) {
    if (!img.parentNode || !img.getAttribute("src")) return;
    var box = document.createElement("span");
    box.className = (img.className ? img.className + " " : "") + "img-missing";
    box.setAttribute("aria-hidden", "true");
    // A classed image takes its size from the stylesheet; the others from their attributes.
    var width = Number(img.getAttribute("width")), height = Number(img.getAttribute("height"));
    if (!img.className && width > 0 && height > 0) box.style.aspectRatio = width + " / " + height;
    img.replaceWith(box);
  }

  // Listen first, then look: an image may fail before this deferred script runs.
  document.addEventListener(
    "error",
    function (event) {
      if (event.target instanceof HTMLImageElement) replace(event.target);
    },
    true
  );
  Array.prototype.forEach.call(document.images, function (img) {
    if (img.complete && img.naturalWidth === 0) replace(img);
  });
})();
