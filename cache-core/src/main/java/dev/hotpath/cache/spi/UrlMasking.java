package dev.hotpath.cache.spi;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides the passwords in connection URLs before they are shown anywhere (a message, a {@code
 * toString()}, a log line, a metric tag), for tiers that take a URL from the host. One routine for
 * every tier, so that each form of password is hidden the same way whatever the URL is for.
 *
 * <p>Hidden, in every URL of the text:
 *
 * <ul>
 *   <li>the user-info password, {@code scheme://user:password@host} becomes {@code
 *       scheme://user:***@host}; user-info without a colon ({@code redis://password@host}, which
 *       Redis reads as a password) becomes {@code ***} whole;
 *   <li>the value of every parameter whose name ends in {@code password} ({@code password=},
 *       {@code sslpassword=}, …), up to the next {@code &} or {@code ;}.
 * </ul>
 *
 * <p>The user-info is taken to end at the last {@code @} before the next URL, not at the first
 * {@code /}, {@code ?} or space: a password with unescaped {@code /}, {@code ?}, {@code @} or
 * spaces (not a valid URL, but what a host may pass) is hidden whole. The price is that an {@code
 * @} in a path or query hides the host as well: masking errs on the side of hiding. Meant for
 * URLs, not for whole messages. Thread-safe; stateless.
 */
public final class UrlMasking {
  /** What a hidden value is replaced by. */
  public static final String MASK = "***";

  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)((?:^|[?&;\\s])[a-z0-9_.-]*password=)[^&;]*");
  /** A user name worth keeping: no character that would make it part of a host, path or query. */
  private static final Pattern PLAIN_USER = Pattern.compile("[^/?#@\\s]*");

  private UrlMasking() {}

  /**
   * {@code text} with every URL password in it replaced by {@value #MASK}.
   *
   * @param text any text, such as a URL or a message naming one; never null
   * @return the masked text; {@code text} itself when it holds no password
   * @throws NullPointerException if {@code text} is null
   */
  public static String mask(String text) {
    Objects.requireNonNull(text, "text");
    return maskParameters(maskUserInfo(text));
  }

  private static String maskUserInfo(String text) {
    Matcher scheme = SCHEME.matcher(text);
    if (!scheme.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    int start = scheme.end();
    while (true) {
      boolean another = scheme.find();
      int limit = another ? scheme.start() : text.length();
      int at = text.lastIndexOf('@', limit - 1);
      if (at >= start) {
        out.append(text, copied, start);
        String userInfo = text.substring(start, at);
        int colon = userInfo.indexOf(':');
        if (colon >= 0 && PLAIN_USER.matcher(userInfo.substring(0, colon)).matches()) {
          out.append(userInfo, 0, colon + 1);
        }
        out.append(MASK);
        copied = at;
      }
      if (!another) {
        break;
      }
      start = scheme.end();
    }
    return out.append(text, copied, text.length()).toString();
  }

  private static String maskParameters(String text) {
    return PASSWORD_PARAMETER.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(MASK));
  }
}
