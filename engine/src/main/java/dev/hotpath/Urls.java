package dev.hotpath;

import java.util.regex.Pattern;

/** Server addresses as they may be printed: in messages, logs and {@code toString()}, never with a password. */
final class Urls {
  /** A password given as a parameter ({@code ?password=...}, {@code ;sslpassword=...}). */
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)((?:ssl)?password=)[^&;]*");

  private Urls() {}

  /**
   * {@code url} with every password it may hold replaced by {@code ***}.
   *
   * <p>The user info runs from {@code //} to the last {@code '@'}: a URL that is printed is often
   * one that was refused, and in it a password may hold what a URL cannot ({@code /}, {@code @},
   * {@code #}, {@code ?}), so no character is trusted to end it. Of the user info, the part after
   * the first {@code ':'} is masked, or all of it without a {@code ':'} (Lettuce reads {@code
   * redis://password@host}). A URL with an {@code '@'} after its host (in a query) may so be
   * masked beyond its password, never less.
   */
  static String masked(String url) {
    int start = url.indexOf("//");
    start = start < 0 ? 0 : start + 2;
    int end = url.lastIndexOf('@');
    String masked = url;
    if (end >= start) {
      int colon = url.indexOf(':', start);
      int from = colon >= 0 && colon < end ? colon + 1 : start;
      masked = url.substring(0, from) + "***" + url.substring(end);
    }
    return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1***");
  }
}
