// Vapor's console page. The URL names the VM (`/console/{id}`) and carries the
// one-time token from `GET /api/v1/.../virtualmachines/{id}/console`, in the
// fragment (`#token=...&type=vnc`, which browsers never send to a server) or in
// the query. VNC consoles are drawn by noVNC, served by Vapor from the host's
// `novnc` package; serial consoles by the small terminal below.

const statusEl = document.getElementById("status");
const setStatus = (text) => { statusEl.textContent = text; };

const params = new URLSearchParams(location.hash.slice(1));
for (const [key, value] of new URLSearchParams(location.search)) {
  if (!params.has(key)) params.set(key, value);
}
// Keep the token out of the address bar and history once read.
if (location.hash || location.search) {
  history.replaceState(null, "", location.pathname);
}

const id = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop());
const token = params.get("token") || "";
const kind = params.get("type") || "vnc";
document.getElementById("vm").textContent = id;
document.getElementById("kind").textContent = kind;
document.title = `${id} (${kind}) – Vapor console`;

const wsUrl = () => {
  const path = `../api/v1/virtualization/virtualmachines/${encodeURIComponent(id)}` +
    `/console/ws?token=${encodeURIComponent(token)}`;
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
};

const closed = (event) => {
  const why = event && event.reason ? `: ${event.reason}` : "";
  setStatus(`Disconnected${why}. Request a new token to connect again.`);
};

async function vnc() {
  const { default: RFB } = await import("../novnc/core/rfb.js");
  const screen = document.getElementById("screen");
  screen.hidden = false;
  const rfb = new RFB(screen, wsUrl(), { wsProtocols: ["binary"] });
  rfb.scaleViewport = true;
  rfb.focusOnClick = true;
  rfb.addEventListener("connect", () => {
    setStatus("Connected");
    document.getElementById("ctrlaltdel").hidden = false;
    rfb.focus();
  });
  rfb.addEventListener("disconnect", (e) => {
    document.getElementById("ctrlaltdel").hidden = true;
    setStatus(e.detail.clean ? "Disconnected. Request a new token to connect again."
                             : "The connection was refused or lost. Request a new token to connect again.");
  });
  rfb.addEventListener("credentialsrequired", () => {
    const password = prompt("VNC password");
    if (password !== null) rfb.sendCredentials({ password });
  });
  rfb.addEventListener("securityfailure", (e) => {
    setStatus(`Authentication failed: ${e.detail.reason || e.detail.status}`);
  });
  rfb.addEventListener("desktopname", (e) => {
    document.getElementById("vm").textContent = e.detail.name;
  });
  document.getElementById("ctrlaltdel").addEventListener("click", () => rfb.sendCtrlAltDel());
  window.vaporConsole = rfb;
}

// Bytes a key sends to a serial console, as a terminal would.
function keyBytes(e) {
  const special = {
    Enter: "\r", Backspace: "\x7f", Tab: "\t", Escape: "\x1b",
    ArrowUp: "\x1b[A", ArrowDown: "\x1b[B", ArrowRight: "\x1b[C", ArrowLeft: "\x1b[D",
    Home: "\x1b[H", End: "\x1b[F", Delete: "\x1b[3~", PageUp: "\x1b[5~", PageDown: "\x1b[6~",
  };
  if (e.ctrlKey && !e.altKey && e.key.length === 1) {
    const c = e.key.toUpperCase().charCodeAt(0);
    if (c >= 64 && c <= 95) return String.fromCharCode(c - 64);
    return null;
  }
  if (special[e.key]) return special[e.key];
  if (e.key.length === 1 && !e.metaKey) return e.key;
  return null;
}

function serial() {
  const term = document.getElementById("terminal");
  term.hidden = false;
  term.focus();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const limit = 200000;
  let text = "";
  const show = (chunk) => {
    // Drop escape sequences (colours, cursor moves), apply backspaces.
    chunk = chunk.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "").replace(/\x1b[()][0-9A-Za-z]/g, "")
                 .replace(/\r\n/g, "\n").replace(/\r/g, "");
    for (const ch of chunk) {
      if (ch === "\b") text = text.slice(0, -1);
      else if (ch === "\x07") continue;
      else text += ch;
    }
    if (text.length > limit) text = text.slice(text.length - limit);
    const atBottom = term.scrollTop + term.clientHeight >= term.scrollHeight - 4;
    term.textContent = text;
    if (atBottom) term.scrollTop = term.scrollHeight;
  };
  const ws = new WebSocket(wsUrl(), ["binary"]);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => setStatus("Connected (press Enter if the guest shows nothing)");
  ws.onmessage = (e) => show(typeof e.data === "string" ? e.data : decoder.decode(e.data, { stream: true }));
  ws.onclose = closed;
  ws.onerror = () => setStatus("The connection was refused or lost.");
  term.addEventListener("keydown", (e) => {
    const bytes = keyBytes(e);
    if (bytes === null || ws.readyState !== WebSocket.OPEN) return;
    e.preventDefault();
    ws.send(encoder.encode(bytes));
  });
  term.addEventListener("paste", (e) => {
    e.preventDefault();
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(encoder.encode(e.clipboardData.getData("text").replace(/\n/g, "\r")));
    }
  });
  window.vaporConsole = ws;
}

if (!token) {
  setStatus("No console token: open this page as /console/{id}#token=…&type=… with a token from GET …/console.");
} else if (kind === "vnc") {
  vnc().catch((e) => setStatus(`Could not load noVNC: ${e}`));
} else if (kind === "serial") {
  serial();
} else {
  setStatus(`A ${kind} console cannot be shown in the browser; connect a ${kind} client to the WebSocket instead.`);
}
