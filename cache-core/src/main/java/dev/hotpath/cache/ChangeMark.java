package dev.hotpath.cache;

import java.util.Map;

/**
 * How far the changes of some keys of one namespace had got when {@link AsyncNamespace#mark} was
 * called: taken before fetching those keys from the source on the cache's behalf, and handed to
 * {@link AsyncNamespace#fill} with what the fetch returned, so that a key changed or invalidated in
 * between is not cached with the value fetched before the change. Opaque; immutable.
 */
public final class ChangeMark {
  final Object namespace;
  final Map<Object, Long> stamps;

  ChangeMark(Object namespace, Map<Object, Long> stamps) {
    this.namespace = namespace;
    this.stamps = stamps;
  }

  @Override
  public String toString() {
    return "ChangeMark[" + stamps.size() + " keys]";
  }
}
