package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.sql.SparkSession;

/**
 * The model shipments that {@link SparkGen}'s one-call API prepared, one per SparkContext and
 * shipment keys (model, tokenizer, weights_distribution, and seed for model=random), so that
 * repeated calls ship a model once. They are closed when their SparkContext stops (a listener on
 * the application's end); until then a later call with the same keys reuses the shipment.
 */
final class SessionShipments {
  private static final Map<SparkContext, Map<List<Object>, ModelShipment>> BY_CONTEXT = new IdentityHashMap<>();

  private SessionShipments() {}

  /** The shipment for {@code cfg}'s model keys in {@code spark}'s context, prepared on first use. */
  static synchronized ModelShipment forConfig(SparkSession spark, JobConfig cfg) {
    SparkContext sc = spark.sparkContext();
    Map<List<Object>, ModelShipment> shipments = BY_CONTEXT.get(sc);
    if (shipments == null) {
      shipments = new LinkedHashMap<>();
      BY_CONTEXT.put(sc, shipments);
      sc.addSparkListener(new SparkListener() {
        @Override
        public void onApplicationEnd(SparkListenerApplicationEnd end) {
          closeAll(sc);
        }
      });
    }
    List<Object> key = List.of(cfg.model(), cfg.tokenizer(), cfg.weightsDistribution(),
        cfg.randomModel() ? cfg.generation().getOrDefault("seed", "") : "");
    ModelShipment shipment = shipments.get(key);
    if (shipment == null) {
      shipment = ModelShipment.prepare(spark, cfg);
      shipments.put(key, shipment);
    }
    return shipment;
  }

  private static void closeAll(SparkContext sc) {
    List<ModelShipment> open;
    synchronized (SessionShipments.class) {
      Map<List<Object>, ModelShipment> shipments = BY_CONTEXT.remove(sc);
      open = shipments == null ? List.of() : new ArrayList<>(shipments.values());
    }
    for (ModelShipment s : open) {
      try {
        s.close();
      } catch (RuntimeException e) { // the context is going away: its broadcasts may be gone already
        org.slf4j.LoggerFactory.getLogger(SessionShipments.class).debug("closing a model shipment: {}", e.toString());
      }
    }
  }
}
