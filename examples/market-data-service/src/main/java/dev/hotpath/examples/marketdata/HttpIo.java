package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creating the JDK's {@code HttpServer}, reading its requests and writing JSON replies. Stateless;
 * thread-safe.
 */
final class HttpIo {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/json; charset=utf-8";
  private static final long DRAIN_LIMIT_BYTES = 4L << 20;

  static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private HttpIo() {}

  /**
   * A JDK {@code HttpServer} bound to {@code address} (not started), created with Nagle's algorithm
   * off: every server of this service is created here so that none is created before that is set.
   *
   * @param backlog the listen backlog; 0 or less for the system's default
   * @throws IOException if the address cannot be bound
   */
  static HttpServer server(InetSocketAddress address, int backlog) throws IOException {
    noDelayUnlessSet();
    return HttpServer.create(address, backlog);
  }

  /**
   * Sets {@code sun.net.httpserver.nodelay} to {@code true} unless the host set it. The JDK's server
   * writes a reply's headers and its body in two writes; with Nagle's algorithm on, the body waits
   * for the client's delayed ACK (up to 40 ms on Linux). The JDK reads the property once, when its
   * first server in the JVM is created, so it must be set before that.
   */
  static void noDelayUnlessSet() {
    if (System.getProperty(NO_DELAY_PROPERTY) == null) {
      System.setProperty(NO_DELAY_PROPERTY, "true");
    }
  }

  /**
   * The query parameters; a parameter given twice is refused, so that {@code ?symbols=A&symbols=B}
   * is not silently half read.
   */
  static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> query = new LinkedHashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query");
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), name);
      if (query.put(name, value) != null) {
        throw ApiException.badRequest(name, "is given more than once; separate values with commas");
      }
    }
    return query;
  }

  private static String decode(String text, String parameter) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(parameter, "is not URL-encoded correctly");
    }
  }

  /** The request body, refused with 413 past {@code maxBytes}. */
  static byte[] body(HttpExchange exchange, int maxBytes) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(maxBytes + 1);
      if (body.length <= maxBytes) {
        return body;
      }
      // Read what a client sends past the limit (up to a bound) before answering, so that it sees
      // the 413 instead of a connection reset; past the bound the connection is closed.
      byte[] sink = new byte[8192];
      long drained = 0;
      for (int n; drained < DRAIN_LIMIT_BYTES && (n = in.read(sink)) >= 0; ) {
        drained += n;
      }
      if (drained >= DRAIN_LIMIT_BYTES) {
        exchange.getResponseHeaders().set("Connection", "close");
      }
      throw tooLarge(maxBytes);
    }
  }

  private static ApiException tooLarge(int maxBytes) {
    return new ApiException(413, "body", "is larger than " + maxBytes + " bytes");
  }

  /** Writes {@code body} as JSON with {@code status}. */
  static void json(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, JSON, MAPPER.writeValueAsBytes(body));
  }

  /** Writes the JSON error of {@code e}. */
  static void error(HttpExchange exchange, ApiException e) throws IOException {
    ObjectNode error = MAPPER.createObjectNode().put("status", e.status);
    if (e.parameter != null) {
      error.put("parameter", e.parameter);
    }
    error.put("message", e.parameter != null ? e.parameter + " " + e.getMessage() : e.getMessage());
    ObjectNode reply = MAPPER.createObjectNode().put("success", false);
    reply.set("error", error);
    json(exchange, e.status, reply);
  }

  /** Writes {@code body} with its content type; a HEAD request gets the headers only. */
  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    send(exchange, status, contentType, body, body.length);
  }

  /** Writes the first {@code length} bytes of {@code body}; a HEAD request gets the headers only. */
  static void send(HttpExchange exchange, int status, String contentType, byte[] body, int length)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean noBody = status == 304 || "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, noBody ? -1 : length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body, 0, length);
      }
    }
  }
}
