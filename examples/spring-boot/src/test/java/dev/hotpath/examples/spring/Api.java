package dev.hotpath.examples.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/** Requests to one running instance over HTTP on loopback, as a client of the service sends them. */
final class Api {
  /** How long a test waits for something that happens in milliseconds: generous for a loaded 2-core machine. */
  static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final int port;

  Api(int port) {
    this.port = port;
  }

  HttpResponse<String> get(String path, String clientId) {
    return send(request(path, clientId).GET());
  }

  /** A GET with {@code headers} (name to value) besides {@code X-Client-Id} when not null. */
  HttpResponse<String> get(String path, String clientId, Map<String, String> headers) {
    HttpRequest.Builder request = request(path, clientId);
    headers.forEach(request::header);
    return send(request.GET());
  }

  HttpResponse<String> put(String path, String clientId) {
    return send(request(path, clientId).PUT(HttpRequest.BodyPublishers.noBody()));
  }

  HttpResponse<String> delete(String path, String clientId) {
    return send(request(path, clientId).DELETE());
  }

  /** The body of a 200 answer to a GET, as JSON. */
  JsonNode getJson(String path, String clientId) {
    HttpResponse<String> response = get(path, clientId);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return json(response);
  }

  /**
   * Repeats the GET until its JSON body satisfies {@code until}, for at most {@link #PATIENCE};
   * returns the last body.
   */
  JsonNode awaitJson(String path, String clientId, Predicate<JsonNode> until) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    JsonNode body = getJson(path, clientId);
    while (!until.test(body) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      body = getJson(path, clientId);
    }
    return body;
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpRequest.Builder request(String path, String clientId) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
    return clientId != null ? request.header("X-Client-Id", clientId) : request;
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
