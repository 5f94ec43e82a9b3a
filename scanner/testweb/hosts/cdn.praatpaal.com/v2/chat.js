// A fictional chat widget that opens a WebSocket to its vendor as soon as the page
// loads and sends who the visitor is and what they do, then closes it: three frames,
// two text and one binary. The ground truth (manifest www.kletsdorp.nl) counts them.
(function () {
  var ws = new WebSocket("wss://live.praatpaal.com/kanaal?gemeente=kletsdorp");
  ws.binaryType = "arraybuffer";
  ws.onopen = function () {
    ws.send('{"type":"hallo","bezoeker":"b-5f3c9a1e7d","gemeente":"kletsdorp","pagina":"/","taal":"nl"}');
    ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    ws.send('{"type":"muis","x":120,"y":48}');
    setTimeout(function () { ws.close(1000, "klaar"); }, 100);
  };
})();
