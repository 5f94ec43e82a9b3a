// YouTube player stand-in: a device id in localStorage and the YtIdbMeta IndexedDB database.
(function () {
  localStorage.setItem("yt-remote-device-id", '{"data":"0f1e2d3c-4b5a-6978-8a9b-abcdefabcdef","expiration":1800000000000,"creation":1700000000000}');
  var req = indexedDB.open("YtIdbMeta", 1);
  req.onupgradeneeded = function () {
    req.result.createObjectStore("databases", { keyPath: "actualName" });
  };
  req.onsuccess = function () {
    var db = req.result;
    var tx = db.transaction("databases", "readwrite");
    tx.objectStore("databases").put({ actualName: "LogsDatabaseV2", publicName: "LogsDatabaseV2" });
    tx.oncomplete = function () { db.close(); };
  };
})();
