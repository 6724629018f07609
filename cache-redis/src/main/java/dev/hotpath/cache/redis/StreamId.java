package dev.hotpath.cache.redis;

/** A Redis stream entry id, {@code <milliseconds>-<sequence>}, ordered as Redis orders them. */
record StreamId(long millis, long sequence) implements Comparable<StreamId> {
  static final StreamId ZERO = new StreamId(0, 0);

  static StreamId parse(String id) {
    int dash = id.indexOf('-');
    if (dash < 0) {
      throw new IllegalArgumentException("not a stream id: " + id);
    }
    return new StreamId(Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)));
  }

  @Override
  public int compareTo(StreamId o) {
    int c = Long.compareUnsigned(millis, o.millis);
    return c != 0 ? c : Long.compareUnsigned(sequence, o.sequence);
  }

  boolean isAfter(StreamId o) {
    return compareTo(o) > 0;
  }

  @Override
  public String toString() {
    return Long.toUnsignedString(millis) + "-" + Long.toUnsignedString(sequence);
  }
}
