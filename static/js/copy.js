// Copy buttons: <button data-copy-target="ID" hidden> copies the text of #ID; a [data-copy-status="ID"]
// live region says what happened. Without this script the buttons stay hidden and the text can be selected.
"use strict";

(function () {
  function copyWithSelection(element) {
    // Plain-HTTP pages (not localhost) have no Clipboard API: select the text and copy the selection.
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(element) {
    var text = element.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithSelection(element);
      });
    }
    return copyWithSelection(element);
  }

  function announce(id, message) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) {
      status.textContent = message;
    }
  }

  function init() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var id = button.getAttribute("data-copy-target");
      var target = document.getElementById(id);
      if (!target) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        announce(id, "");
        copy(target).then(function () {
          announce(id, "Copied");
        }, function () {
          announce(id, "Selected: press Ctrl+C (or \u2318C) to copy");
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
