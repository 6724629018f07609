package dev.hotpath.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A source's server refused a call for rate reasons: HTTP 429 (slow down until {@link
 * #retryAfter()}) or 418 (this IP is banned until then). The engine pauses every call to the
 * source for that long, not only the one that was refused.
 */
public final class SourceRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final Duration retryAfter;
  private final long usedWeight;

  /**
   * @param status the HTTP status, 429 or 418
   * @param retryAfter how long to wait before calling the source again; not negative
   * @param usedWeight the used weight the refusal reported, or -1 when it reported none
   * @throws IllegalArgumentException for another status or a negative {@code retryAfter}
   */
  public SourceRefusedException(int status, Duration retryAfter, long usedWeight) {
    super("refused with HTTP " + status + ", retry after " + Objects.requireNonNull(retryAfter, "retryAfter"));
    if (status != 429 && status != 418) {
      throw new IllegalArgumentException("status must be 429 or 418 but was " + status);
    }
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
    }
    this.status = status;
    this.retryAfter = retryAfter;
    this.usedWeight = usedWeight;
  }

  /** 429 (rate limited) or 418 (banned). */
  public int status() {
    return status;
  }

  /** Whether this is a ban (418) rather than a request to slow down (429). */
  public boolean isBan() {
    return status == 418;
  }

  /** How long the server asked for no further calls. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** The used weight the refusal reported, if any. */
  public OptionalLong usedWeight() {
    return usedWeight < 0 ? OptionalLong.empty() : OptionalLong.of(usedWeight);
  }
}
