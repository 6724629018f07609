package dev.hotpath.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class SvgBarChartTest {

  static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  static List<String> texts(Document svg) {
    NodeList nodes = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent());
    }
    return texts;
  }

  @Test
  void isWellFormedSvgWithABarAndAValueLabelPerValue() throws Exception {
    String svg = SvgBarChart.render("Suite <thrpt> & co", "ops/us, higher is better", List.of(
        new SvgBarChart.Bar("hotpath keys=1024", 19.1, 0.5, true),
        new SvgBarChart.Bar("caffeine <raw>", 38.2, Double.NaN, false)));

    Document document = parse(svg);

    assertThat(document.getDocumentElement().getLocalName()).isEqualTo("svg");
    // The background and one bar per value.
    assertThat(document.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength()).isEqualTo(3);
    assertThat(texts(document)).contains("Suite <thrpt> & co", "ops/us, higher is better",
        "hotpath keys=1024", "19.1 ± 0.5", "caffeine <raw>", "38.2");
  }

  @Test
  void theAxisEndsOnARoundNumberAtOrAboveTheLongestBar() {
    assertThat(SvgBarChart.niceCeiling(531)).isEqualTo(600);
    assertThat(SvgBarChart.niceCeiling(38.2 + 1)).isEqualTo(40);
    assertThat(SvgBarChart.niceCeiling(0.9)).isEqualTo(1);
  }
}
