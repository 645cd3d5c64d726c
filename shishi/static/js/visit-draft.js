// shishi — the visit form's draft (走访记录): a dropped connection loses nothing.
//
// Every typed field of the form marked data-draft-key is kept in localStorage under that
// key on every input; the chosen photos are kept as Blobs in IndexedDB under the same key.
// On load a kept draft is restored (and said so, with 放弃草稿). A submit while the phone is
// offline is not sent. The draft is removed only when the saved visit's page loads: that
// page names the keys in data-draft-settled. The form works without this script.
(function () {
  "use strict";

  var DB_NAME = "shishi-visit-drafts";
  var STORE = "photos";

  // --- IndexedDB: the photos of a draft, one record per key --------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function keepPhotos(key, files) {
    var records = Array.prototype.map.call(files, function (f) {
      return { name: f.name, type: f.type, lastModified: f.lastModified, blob: f };
    });
    return withStore("readwrite", function (store) {
      return records.length ? store.put(records, key) : store.delete(key);
    });
  }

  function keptPhotos(key) {
    return withStore("readonly", function (store) { return store.get(key); });
  }

  function dropPhotos(key) {
    return withStore("readwrite", function (store) { return store.delete(key); })
      .catch(function () { /* nothing kept */ });
  }

  // --- localStorage: the typed fields ------------------------------------------------------

  function readDraft(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) { return null; }
  }

  function dropDraft(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
    return dropPhotos(key);
  }

  // The visit's page, loaded right after saving, settles the drafts it names.
  function settle() {
    document.querySelectorAll("[data-draft-settled]").forEach(function (el) {
      el.getAttribute("data-draft-settled").split(/\s+/).forEach(function (key) {
        if (key) { dropDraft(key); }
      });
    });
  }

  // --- the form ------------------------------------------------------------------------------

  function setUp(form) {
    var key = form.getAttribute("data-draft-key");
    var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };
    var bar = document.querySelector("[data-draft-bar]");
    var barText = document.querySelector("[data-draft-text]");
    var offlineBar = document.querySelector("[data-offline-bar]");
    var rows = form.querySelector("[data-finding-rows]");
    var template = form.querySelector("template[data-finding-template]");
    var addButton = form.querySelector("[data-add-finding]");
    var photoInput = form.querySelector("[data-photo-input]");
    var photoError = form.querySelector("[data-photo-error]");
    var photoKept = form.querySelector("[data-photo-kept]");

    function rowCount() { return rows ? rows.querySelectorAll("[data-finding-row]").length : 0; }

    function addRow() {
      if (!rows || !template) { return null; }
      var n = rowCount() + 1;
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__n__/g, String(n)));
      return rows.lastElementChild;
    }

    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "file" && el.type !== "submit" && el.type !== "button" &&
          el.name !== "csrfmiddlewaretoken";
      });
    }

    function snapshot() {
      var values = {};
      fields().forEach(function (el) {
        if (el.type === "radio") {
          if (!(el.name in values)) { values[el.name] = ""; }
          if (el.checked) { values[el.name] = el.value; }
        } else if (el.type === "checkbox") {
          values[el.name] = el.checked;
        } else {
          values[el.name] = el.value;
        }
      });
      return { version: 1, savedAt: Date.now(), rows: rowCount(), values: values };
    }

    function save() {
      try {
        window.localStorage.setItem(key, JSON.stringify(snapshot()));
      } catch (e) { /* full or off: the form still sends */ }
    }

    function restore(draft) {
      while (rowCount() < (draft.rows || 0) && rowCount() < 50) { addRow(); }
      var values = draft.values || {};
      fields().forEach(function (el) {
        if (!(el.name in values)) { return; }
        var value = values[el.name];
        if (el.type === "radio") { el.checked = el.value === value; }
        else if (el.type === "checkbox") { el.checked = !!value; }
        else { el.value = value; }
      });
    }

    function say(text) {
      if (!bar || !barText) { return; }
      barText.textContent = text;
      bar.hidden = !text;
    }

    function showPhotoError(text) {
      if (!photoError) { return; }
      photoError.textContent = text;
      photoError.hidden = !text;
    }

    // The chosen photos: checked here (the server checks them again), then kept.
    function checkPhotos() {
      if (!photoInput) { return true; }
      var files = photoInput.files || [];
      var each = parseInt(photoInput.getAttribute("data-max-bytes"), 10) || 0;
      var total = parseInt(photoInput.getAttribute("data-max-total"), 10) || 0;
      var most = parseInt(photoInput.getAttribute("data-max-count"), 10) || 0;
      var sum = 0;
      for (var i = 0; i < files.length; i += 1) {
        var f = files[i];
        if (!/^image\//.test(f.type || "")) {
          showPhotoError("“" + f.name + "”" + msg("not-image"));
          return false;
        }
        if (each && f.size > each) {
          showPhotoError("“" + f.name + "”" + msg("too-big") + "（" + Math.round(each / 1048576) + "MB）");
          return false;
        }
        sum += f.size;
      }
      if ((total && sum > total) || (most && files.length > most)) {
        showPhotoError(msg("too-many"));
        return false;
      }
      showPhotoError("");
      return true;
    }

    function photosChanged() {
      if (checkPhotos()) {
        keepPhotos(key, photoInput.files || []).catch(function () { /* not kept */ });
      }
      if (photoKept) { photoKept.hidden = true; }
    }

    function restorePhotos() {
      return keptPhotos(key).then(function (records) {
        if (!records || !records.length || !photoInput || !window.DataTransfer) { return 0; }
        var transfer = new DataTransfer();
        records.forEach(function (r) {
          transfer.items.add(new File([r.blob], r.name, { type: r.type, lastModified: r.lastModified }));
        });
        photoInput.files = transfer.files;
        if (photoKept) {
          photoKept.textContent = records.map(function (r) { return r.name; }).join("、");
          photoKept.hidden = false;
        }
        checkPhotos();
        return records.length;
      });
    }

    // The network bar: offline (what was typed stays here), or back online for a moment.
    var offlineText = offlineBar ? offlineBar.textContent : "";
    var onlineTimer = null;
    function showNetwork(text) {
      if (!offlineBar) { return; }
      var offline = navigator.onLine === false;
      window.clearTimeout(onlineTimer);
      offlineBar.classList.toggle("msg-warning", offline);
      offlineBar.classList.toggle("msg-success", !offline);
      offlineBar.textContent = text || offlineText;
      offlineBar.hidden = !offline && !text;
      if (!offline && text) {
        onlineTimer = window.setTimeout(function () { offlineBar.hidden = true; }, 6000);
      }
    }

    if (addButton && template) {
      addButton.hidden = false;
      addButton.addEventListener("click", function () {
        var row = addRow();
        save();
        var first = row && row.querySelector("input, textarea, select");
        if (first) { first.focus(); }
      });
    }

    form.addEventListener("input", save);
    form.addEventListener("change", function (event) {
      if (event.target === photoInput) { photosChanged(); return; }
      save();
    });

    form.addEventListener("submit", function (event) {
      save();
      if (navigator.onLine === false) {
        event.preventDefault();
        showNetwork(msg("offline"));
        if (offlineBar) { offlineBar.scrollIntoView({ block: "center" }); }
        return;
      }
      if (!checkPhotos()) {
        event.preventDefault();
        if (photoError) { photoError.scrollIntoView({ block: "center" }); }
      }
    });

    window.addEventListener("offline", function () { showNetwork(); save(); });
    window.addEventListener("online", function () { showNetwork(msg("online")); });

    if (bar) {
      var discard = bar.querySelector("[data-draft-discard]");
      if (discard) {
        discard.addEventListener("click", function () {
          dropDraft(key).then(function () {
            form.reset();
            if (photoInput) { photoInput.value = ""; }
            if (photoKept) { photoKept.hidden = true; }
            say("");
          });
        });
      }
    }

    showNetwork();
    if (form.hasAttribute("data-posted")) {
      // The server sent the form back (a mistake to correct): what it shows is the draft.
      save();
      restorePhotos().catch(function () { /* none kept */ });
      return;
    }
    var draft = readDraft(key);
    if (!draft) { return; }
    restore(draft);
    var when = new Date(draft.savedAt || Date.now());
    var stamp = msg("saved-at") + " " + String(when.getHours()).padStart(2, "0") + ":" +
      String(when.getMinutes()).padStart(2, "0");
    var base = msg("restored") + "（" + stamp + "）";
    say(base);
    restorePhotos().then(function (count) {
      say(base + (count ? "，" + msg("photos-restored") : ""));
    }, function () {
      say(base + "，" + msg("photos-again"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    settle();
    document.querySelectorAll("form[data-draft-key]").forEach(setUp);
  });
})();
