/* What the upload page (upload.js) and the dashboard's "Add files" / "Replace data"
 * (files.js) share: the CSRF token, the hidden file picker, the POST of the chosen files
 * and the status alert. Loaded before both (Dash loads the assets in name order) as
 * `window.smbrcSendFiles`.
 */
(function () {
  "use strict";

  var ACCEPT = ".csv,.tsv,.txt,.xlsx,.xls";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* One hidden <input type=file id=id> kept in the body (the native picker is opened from
   * it); `onFiles` gets the chosen files as an array. */
  function hiddenFileInput(id, accept, onFiles) {
    var input = document.getElementById(id);
    if (input) { return input; }
    input = document.createElement("input");
    input.type = "file";
    input.id = id;
    input.accept = accept || ACCEPT;
    input.multiple = true;
    input.className = "visually-hidden";
    input.setAttribute("aria-hidden", "true");
    input.tabIndex = -1;
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      onFiles(files);
    });
    document.body.appendChild(input);
    return input;
  }

  /* POST `form` to `url` with the CSRF token, asking for JSON. `on.progress(event)` follows
   * the upload, `on.sent()` (optional) fires when it is all sent, `on.done(status, body)`
   * gets the answer (body null when it is not JSON) and `on.lost(message)` a lost
   * connection. */
  function post(url, form, on) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = on.progress;
    if (on.sent) { xhr.upload.onload = on.sent; }
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      on.done(xhr.status, body);
    };
    xhr.onerror = function () {
      on.lost("The connection to the server was lost during the upload. Check that the app is running and try again.");
    };
    xhr.send(form);
  }

  /* Shows `text` as a Bootstrap alert of `kind` (info, success, danger …) in `box`,
   * replacing what was there (nothing without text); `extraClass` goes on the alert, and
   * `closable` gives a danger alert a close button. */
  function showStatus(box, kind, text, extraClass, closable) {
    if (!box) { return; }
    box.textContent = "";
    if (!text) { return; }
    var div = document.createElement("div");
    div.className = "alert " + (extraClass ? extraClass + " " : "") + "mb-0 alert-" + kind;
    div.setAttribute("role", kind === "danger" ? "alert" : "status");
    div.textContent = text;
    if (closable && kind === "danger") {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "btn-close float-end ms-2";
      close.setAttribute("aria-label", "Close");
      close.addEventListener("click", function () { box.textContent = ""; });
      div.insertBefore(close, div.firstChild);
    }
    box.appendChild(div);
  }

  /* The words for a refused upload: the server's own, else its HTTP status. */
  function refusal(status, body) {
    return body && body.error ? body.error :
      "The upload failed (HTTP " + status + "). Try again in a moment.";
  }

  window.smbrcSendFiles = {
    ACCEPT: ACCEPT,
    csrfToken: csrfToken,
    hiddenFileInput: hiddenFileInput,
    post: post,
    refusal: refusal,
    showStatus: showStatus,
  };
})();
