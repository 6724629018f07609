package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}) loads {@code GET /}, load is driven through the API, and the numbers on the
 * page become those {@code /api/metrics} reports. Saves {@code target/dashboard.png} (the README's
 * screenshot is a copy of it). Skipped, saying how to get one, where no Chromium is installed.
 */
class DashboardBrowserTest {
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
  /** Counters that stop moving when the load stops (polling /api/metrics does not count as a request). */
  private static final List<String> STABLE = List.of("api.requests", "api.tooManyRequests", "source.klinesCalls",
      "source.series", "source.callsSavedByCache", "source.callsSavedByRollup");

  @Test
  void theDashboardShowsWhatApiMetricsReports() throws Exception {
    assumeTrue(CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(),
        "no Chromium: apt-get install -y chromium chromium-driver (the dashboard test needs /usr/bin/chromium"
            + " and /usr/bin/chromedriver)");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
    ChromeDriverService driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
        .usingAnyFreePort().build();
    try (MarketDataService service = MarketDataService.start(Services.onFixtures("mds-dashboard").build())) {
      WebDriver browser = new ChromeDriver(driverService, options);
      try {
        Client client = new Client(service.url());
        browser.get(service.url().toString());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200));
        wait.until(b -> polls(b) >= 1);
        assertThat(browser.findElement(By.cssSelector("[data-metric='api.requests']")).getAttribute("data-value"))
            .isEqualTo("0");

        List<String> symbols = service.listed.stream().limit(30).toList();
        for (int round = 0; round < 4; round++) {
          for (int i = 0; i < symbols.size(); i += 10) {
            client.get("/api/market-data?symbols=" + String.join(",", symbols.subList(i, i + 10))
                + "&timeframes=1m,5m,15m,1h,4h,1d&limit=5", ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
          }
          // A Free client bursts until it is refused (10 a second: how many requests that takes
          // depends on how fast this machine answers them).
          boolean refused = false;
          for (int i = 0; i < 2_000 && !refused; i++) {
            refused = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER, "dashboard-free-client")
                .statusCode() == 429;
          }
          assertThat(refused).as("a Free client bursting is refused").isTrue();
          int before = polls(browser);
          wait.until(b -> polls(b) > before); // let the charts take a point per round
        }
        JsonNode metrics = client.json("/api/metrics");

        for (String metric : STABLE) {
          String expected = metrics.at("/" + metric.replace('.', '/')).asText();
          wait.withMessage(() -> metric + " on the page is not " + expected)
              .until(b -> expected.equals(b.findElement(By.cssSelector("[data-metric='" + metric + "']"))
                  .getAttribute("data-value")));
        }
        assertThat(metrics.at("/api/requests").asLong()).isPositive();
        assertThat(metrics.at("/api/tooManyRequests").asLong()).isPositive();
        assertThat(browser.findElement(By.cssSelector("[data-metric='api.tooManyRequests']")).getText())
            .isEqualTo(String.format("%,d", metrics.at("/api/tooManyRequests").asLong()));
        assertThat(browser.findElement(By.id("status")).getText()).isIn("UP", "DEGRADED");

        Path screenshot = Path.of("target", "dashboard.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), screenshot,
            StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(screenshot)).isPositive();
      } finally {
        browser.quit();
      }
    }
  }

  private static int polls(WebDriver browser) {
    String polls = browser.findElement(By.tagName("body")).getAttribute("data-polls");
    return polls == null ? 0 : Integer.parseInt(polls);
  }
}
