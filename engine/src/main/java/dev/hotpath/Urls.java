package dev.hotpath;

import java.util.regex.Pattern;

/** Server addresses as they may be printed: in messages, logs and {@code toString()}, never with a password. */
final class Urls {
  /** A password in the user info ({@code scheme://user:password@host}), up to the last '@' before the path. */
  private static final Pattern USER_INFO_PASSWORD = Pattern.compile("((?:^|//)[^/@:]*:)[^/]*@");
  /** A password given as a parameter ({@code ?password=...}, {@code ;sslpassword=...}). */
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)((?:ssl)?password=)[^&;]*");

  private Urls() {}

  /** {@code url} with every password it may hold replaced by {@code ***}. */
  static String masked(String url) {
    String masked = USER_INFO_PASSWORD.matcher(url).replaceAll("$1***@");
    return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1***");
  }
}
