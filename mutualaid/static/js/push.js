/* Browser notifications on the notification settings page: turn them on (register /sw.js,
   subscribe with the site's VAPID public key, send the subscription to the API) or off.
   Without the Push API, or without a key configured on the server, the buttons stay hidden. */
(function () {
  "use strict";
  const box = document.getElementById("push");
  if (!box || !box.dataset.vapidKey) return;
  const onButton = box.querySelector(".push-on");
  const offButton = box.querySelector(".push-off");
  const status = box.querySelector(".push-status");
  const url = box.dataset.subscribeUrl;
  const supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    box.querySelector(".push-unsupported").hidden = false;
    return;
  }

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function send(method, body) {
    const token = box.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
  }

  async function hash(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function current() {
    const registration = await navigator.serviceWorker.getRegistration("/");
    return registration ? registration.pushManager.getSubscription() : null;
  }

  async function show() {
    const subscription = await current();
    // On only if the site knows this browser's subscription: signing out forgets it there,
    // while the browser keeps it; turning on again sends it back.
    let known = false;
    if (subscription) {
      const mine = await hash(subscription.endpoint);
      box.querySelectorAll("[data-endpoint-hash]").forEach((item) => {
        const here = item.dataset.endpointHash === mine;
        item.querySelector(".this-browser").hidden = !here;
        known = known || here;
      });
    }
    onButton.hidden = known;
    offButton.hidden = !known;
  }

  onButton.addEventListener("click", async () => {
    status.textContent = box.dataset.msgWorking;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = box.dataset.msgDenied;
        return;
      }
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.vapidKey),
      });
      const data = subscription.toJSON();
      const response = await send("POST", { endpoint: data.endpoint, keys: data.keys });
      if (!response.ok) throw new Error(String(response.status));
      window.location.reload();
    } catch (error) {
      status.textContent = box.dataset.msgFailed;
    }
  });

  offButton.addEventListener("click", async () => {
    try {
      const subscription = await current();
      if (subscription) {
        await send("DELETE", { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      window.location.reload();
    } catch (error) {
      status.textContent = box.dataset.msgFailed;
    }
  });

  show().catch(() => {
    onButton.hidden = false;
  });
})();
