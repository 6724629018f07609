package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link InOrderMap}: the in-process bulk read's answer, in order, deduplicated, unmodifiable. */
class InOrderMapTest {

  /** Keys with equal hash codes ("Aa" and "BB"), so the table's probing is exercised too. */
  private static final List<String> COLLIDING = List.of("Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa");

  @Test
  void keepsTheOrderOfAddsAndTheFirstValueOfAKeyAddedTwice() {
    InOrderMap<String, Integer> map = new InOrderMap<>(8);
    for (int i = 0; i < COLLIDING.size(); i++) {
      assertThat(map.add(COLLIDING.get(i), i)).isTrue();
    }
    assertThat(map.add("BB", 99)).as("a key added again").isFalse();

    assertThat(new ArrayList<>(map.keySet())).isEqualTo(COLLIDING);
    assertThat(map).hasSize(COLLIDING.size()).containsEntry("BB", 1).doesNotContainKey("Ab");
    assertThat(map.get("AaBB")).isEqualTo(4);
    assertThat(map.get(null)).isNull();
    List<String> visited = new ArrayList<>();
    map.forEach((k, v) -> visited.add(k + "=" + v));
    assertThat(visited).containsExactly("Aa=0", "BB=1", "AaAa=2", "BBBB=3", "AaBB=4", "BBAa=5");
  }

  @Test
  void equalsAHashMapOfTheSameEntriesAndAnswersEveryKeyOfALargeRead() {
    int n = 30_000;
    InOrderMap<String, String> map = new InOrderMap<>(n);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String key = "BTC" + i + ":1m";
      map.add(key, "v" + i);
      expected.put(key, "v" + i);
    }
    assertThat(map).isEqualTo(expected);
    assertThat(expected).isEqualTo(map);
    assertThat(map.hashCode()).isEqualTo(expected.hashCode());
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
    }
  }

  @Test
  void refusesChanges() {
    InOrderMap<String, String> map = new InOrderMap<>(1);
    map.add("a", "A");
    assertThatThrownBy(() -> map.put("b", "B")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.entrySet().iterator().next().setValue("X"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(map::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThat(map).containsExactly(Map.entry("a", "A"));
  }

  @Test
  void distinctKeysKeepsFirstPlacesAndWithValuesAnswersByThem() {
    InOrderMap<String, String> index = InOrderMap.distinctKeys(List.of("b", "a", "b", "c", "a"));
    assertThat(index.size()).isEqualTo(3);
    assertThat(Arrays.copyOf(index.keyArray(), index.size())).containsExactly("b", "a", "c");

    InOrderMap<String, Integer> map = index.withValues(new Object[] {2, 1, 3});

    assertThat(map).containsExactly(Map.entry("b", 2), Map.entry("a", 1), Map.entry("c", 3));
    assertThat(map.get("c")).isEqualTo(3);
    assertThat(map.containsKey("d")).isFalse();
    assertThat(map).isEqualTo(Map.of("a", 1, "b", 2, "c", 3));
  }
}
