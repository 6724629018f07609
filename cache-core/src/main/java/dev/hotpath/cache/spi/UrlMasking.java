package dev.hotpath.cache.spi;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides the passwords in connection URLs before they are shown anywhere (a message, a {@code
 * toString()}, a log line, a metric tag), for the tiers and builders that take a URL from the
 * host. One routine for all of them, so that each form of password is hidden the same way whatever
 * the URL is for.
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
 * <p>Text with no {@code scheme://} (or before the first one) is masked as a URL that lacks it:
 * {@code app:pw@host} becomes {@code app:***@host}, {@code //:pw@host} becomes {@code
 * //:***@host}. Another URL starts only at a scheme at the start of the text or after a space,
 * comma, quote or {@code (}: a password holding {@code ab://} is hidden whole.
 *
 * <p>The user-info is taken to end at the last {@code @} before the next URL, not at the first
 * {@code /}, {@code ?} or space: a password with unescaped {@code /}, {@code ?}, {@code @} or
 * spaces (not a valid URL, but what a host may pass) is hidden whole. The price is that an {@code
 * @} in a path or query hides the host as well: masking errs on the side of hiding. Meant for
 * URLs; in a whole message it may hide more than a password (an e-mail address, say), never
 * less. Thread-safe; stateless.
 */
public final class UrlMasking {
  /** What a hidden value is replaced by. */
  public static final String MASK = "***";

  /**
   * Where a URL starts: a scheme ({@code jdbc:} and the scheme after it count as one) at the start
   * of the text or after a space, comma, quote or parenthesis. Not after anything else, so that a
   * password holding {@code ab://} is not taken for the start of another URL.
   */
  private static final Pattern SCHEME =
      Pattern.compile("(?<![^\\s,'\"(])(?i:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*://");
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)((?:^|[?&;\\s])[a-z0-9_.-]*password=)[^&;]*");
  /** A user name worth keeping: no character that would make it part of a host, path or query. */
  private static final Pattern PLAIN_USER = Pattern.compile("[^/?#@\\s]*");

  private UrlMasking() {}

  /**
   * {@code text} with every URL password in it replaced by {@value #MASK}.
   *
   * @param text any text, such as a URL or a message naming one; never null
   * @return the masked text; equal to {@code text} when it holds no password
   * @throws NullPointerException if {@code text} is null
   */
  public static String mask(String text) {
    Objects.requireNonNull(text, "text");
    return maskParameters(maskUserInfo(text));
  }

  private static String maskUserInfo(String text) {
    StringBuilder out = new StringBuilder(text.length());
    Matcher scheme = SCHEME.matcher(text);
    boolean found = scheme.find();
    // The text before the first URL (all of it when no scheme is found, as in app:pw@host or
    // //:pw@host) is taken for a URL without its scheme: its user-info starts after a leading
    // "//", or at the start. Not after a later "//", which may be part of the password.
    int limit = found ? scheme.start() : text.length();
    maskUserInfo(text, 0, text.startsWith("//") ? 2 : 0, limit, out);
    while (found) {
      int start = scheme.start();
      int userInfo = scheme.end();
      found = scheme.find();
      maskUserInfo(text, start, userInfo, found ? scheme.start() : text.length(), out);
    }
    return out.toString();
  }

  /**
   * Appends {@code text[from, limit)}, one URL whose user-info starts at {@code userInfo} and ends at
   * the last {@code @} before {@code limit}, with its password masked.
   */
  private static void maskUserInfo(String text, int from, int userInfo, int limit, StringBuilder out) {
    int at = limit == 0 ? -1 : text.lastIndexOf('@', limit - 1);
    if (at < userInfo) {
      out.append(text, from, limit);
      return;
    }
    out.append(text, from, userInfo);
    String credentials = text.substring(userInfo, at);
    int colon = credentials.indexOf(':');
    if (colon >= 0 && PLAIN_USER.matcher(credentials.substring(0, colon)).matches()) {
      out.append(credentials, 0, colon + 1);
    }
    out.append(MASK).append(text, at, limit);
  }

  private static String maskParameters(String text) {
    return PASSWORD_PARAMETER.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(MASK));
  }
}
