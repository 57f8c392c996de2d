/* mutualaid's service worker: shows a push message as a notification and opens its page
   when the notification is clicked. Served at /sw.js so that its scope is the whole site. */
"use strict";

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  const title = data.title || "mutualaid";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      // One notification per delivery: the same message sent twice replaces itself.
      tag: data.tag || undefined,
      data: { url: data.url || "/notifications/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL("/notifications/", self.location.origin);
  try {
    const wanted = new URL((event.notification.data || {}).url || "", self.location.origin);
    // Only ever open this site's own pages.
    if (wanted.origin === self.location.origin) target = wanted;
  } catch (error) {
    /* keep the notifications page */
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target.href && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target.href);
    })
  );
});
