/* Dashboard "Add files" and "Replace data": choose files, post them to
 * `POST /upload/<session_id>` (mode=add or mode=replace) with the CSRF token, then reload
 * the dashboard; a refusal (not the owner, too large, files that cannot be combined …)
 * is shown as the server worded it. Handlers are delegated from `document` (Dash renders
 * the page after load).
 */
(function () {
  "use strict";

  var ACTIONS = "files-actions";
  var ADD = "files-add";
  var REPLACE = "files-replace";
  var STATUS = "files-status";
  var INPUT = "files-input";
  var shared = window.smbrcSendFiles;
  var ACCEPT = shared.ACCEPT;
  var busy = false;
  var mode = "add";

  function byId(id) { return document.getElementById(id); }

  function setStatus(kind, text) {
    shared.showStatus(byId(STATUS), kind, text, "shadow", true);
  }

  function accepted(name) {
    var actions = byId(ACTIONS);
    var list = ((actions && actions.getAttribute("data-accept")) || ACCEPT).split(",");
    name = (name || "").toLowerCase();
    return list.some(function (ext) { return ext && name.endsWith(ext); });
  }

  function send(files) {
    var actions = byId(ACTIONS);
    var sid = actions ? actions.getAttribute("data-session-id") : "";
    if (busy || !sid || !files.length) { return; }
    for (var i = 0; i < files.length; i++) {
      if (!accepted(files[i].name)) {
        setStatus("danger", "“" + files[i].name + "” is not a CSV or Excel file. Export your data as CSV, XLSX or XLS and try again.");
        return;
      }
    }
    var form = new FormData();
    form.append("mode", mode);
    files.forEach(function (file) { form.append("file", file, file.name); });
    busy = true;
    var what = files.length + (files.length > 1 ? " files" : " file");
    setStatus("info", (mode === "replace" ? "Replacing the data with " : "Adding ") + what + "…");
    shared.post("/upload/" + encodeURIComponent(sid), form, {
      progress: function (event) {
        if (event.lengthComputable && event.loaded < event.total) {
          setStatus("info", "Uploading " + what + "… " + Math.round((event.loaded / event.total) * 100) + "%");
        } else {
          setStatus("info", "Reading " + what + "…");
        }
      },
      done: function (status, body) {
        busy = false;
        if (status === 200 && body && body.dashboard_url) {
          setStatus("success", "Done: " + body.rows.toLocaleString() + " rows. Reloading the dashboard…");
          window.location.assign(body.dashboard_url + "?v=" + Date.now());
          return;
        }
        setStatus("danger", shared.refusal(status, body));
      },
      lost: function (message) {
        busy = false;
        setStatus("danger", message);
      },
    });
  }

  function fileInput() {
    return shared.hiddenFileInput(INPUT, ACCEPT, send);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("#" + ADD + ", #" + REPLACE);
    if (!target) { return; }
    mode = target.id === REPLACE ? "replace" : "add";
    fileInput().click();
  });

  document.addEventListener("DOMContentLoaded", fileInput);
})();
