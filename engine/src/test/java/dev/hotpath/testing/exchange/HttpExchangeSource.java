package dev.hotpath.testing.exchange;

import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceRefusedException;
import dev.hotpath.engine.SourceReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link Source} over a {@link SimulatedExchange} (or anything that speaks its protocol) through
 * the JDK's {@link HttpClient}, asynchronously: 200 is a reply with the used-weight header, 429 and
 * 418 are {@link SourceRefusedException}s with their {@code Retry-After}, 400 is an {@link
 * IllegalArgumentException} (not retried), other statuses and I/O errors are retried. Thread-safe.
 */
public final class HttpExchangeSource implements Source<String, String> {
  private final URI endpoint;
  private final int maxKeysPerCall;
  private final int weightPerRequest;
  private final int weightPerSymbol;
  private final HttpClient client;

  HttpExchangeSource(URI base, int maxKeysPerCall, int weightPerRequest, int weightPerSymbol) {
    this.endpoint = base.resolve(SimulatedExchange.PATH);
    this.maxKeysPerCall = maxKeysPerCall;
    this.weightPerRequest = weightPerRequest;
    this.weightPerSymbol = weightPerSymbol;
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public String name() {
    return "simulated-exchange";
  }

  @Override
  public int maxKeysPerCall() {
    return maxKeysPerCall;
  }

  @Override
  public long weight(List<String> keys) {
    return weightPerRequest + (long) weightPerSymbol * keys.size();
  }

  @Override
  public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "?symbols=" + String.join(",", keys)))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(this::reply);
  }

  private SourceReply<String, String> reply(HttpResponse<String> response) {
    OptionalLong used = response.headers().firstValue(SimulatedExchange.USED_WEIGHT_HEADER)
        .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
    int status = response.statusCode();
    if (status == 429 || status == 418) {
      long retryAfter = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
      throw new CompletionException(new SourceRefusedException(status, Duration.ofSeconds(retryAfter), used.orElse(-1)));
    }
    if (status == 400) {
      throw new CompletionException(new IllegalArgumentException("HTTP 400: " + response.body()));
    }
    if (status != 200) {
      throw new CompletionException(new UncheckedIOException(new IOException("HTTP " + status + ": " + response.body())));
    }
    Map<String, String> values = new HashMap<>();
    for (String line : response.body().split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0) {
        values.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    return used.isPresent() ? SourceReply.of(values, used.getAsLong()) : SourceReply.of(values);
  }

  @Override
  public String toString() {
    return "HttpExchangeSource[" + endpoint + "]";
  }
}
