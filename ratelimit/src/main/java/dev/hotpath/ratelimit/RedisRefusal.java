package dev.hotpath.ratelimit;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A connection Redis refused (a wrong or missing password, a missing ACL permission) said plainly,
 * as the Redis tier says it: Lettuce reports it as "Unable to connect", with the server's reply
 * buried in the causes. A copy of the wording of cache-redis's {@code RedisLink.describeRefusal}
 * rather than a shared class: this module depends on neither the cache nor anything it could share
 * with cache-redis but Lettuce. Loaded only where Lettuce is. Redis never echoes a password in
 * these replies.
 */
final class RedisRefusal {
  private RedisRefusal() {}

  /**
   * The refusal in {@code failure}'s causes or suppressed exceptions said plainly, or null when
   * the connection failed otherwise (no answer, a timeout).
   */
  static String describe(Throwable failure) {
    String reply = reply(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    if (reply == null) {
      return null;
    }
    if (reply.startsWith("WRONGPASS")) {
      return "the server refused the login: wrong password or user (" + reply + ")";
    }
    if (reply.startsWith("NOAUTH")) {
      return "the server requires a password and none was given (" + reply + ")";
    }
    return "the server refused a command the limiter needs: missing ACL permission (" + reply + ")";
  }

  /**
   * The message of the innermost cause of {@code failure}, or of {@code failure} itself: "Unable to
   * connect" alone does not say whether the port refused, the name did not resolve or the handshake
   * timed out.
   */
  static String rootMessage(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Throwable root = failure;
    while (root.getCause() != null && seen.add(root)) {
      root = root.getCause();
    }
    return root == failure ? String.valueOf(failure.getMessage()) : failure.getMessage() + ": " + root;
  }

  private static String reply(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return null;
    }
    // Any exception type: Lettuce reports the reply as a RedisCommandExecutionException, but
    // depending on where the handshake failed it may arrive wrapped or as another RedisException;
    // only a server reply starts with these error codes.
    String m = String.valueOf(t.getMessage());
    if (m.startsWith("WRONGPASS") || m.startsWith("NOAUTH") || m.startsWith("NOPERM")) {
      return m;
    }
    for (Throwable suppressed : t.getSuppressed()) {
      String reply = reply(suppressed, seen);
      if (reply != null) {
        return reply;
      }
    }
    return reply(t.getCause(), seen);
  }
}
