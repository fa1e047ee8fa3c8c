package dev.sparkgen.job.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;

/** Spark's Parquet write support plus the key-value pairs of a JSON object found in the Hadoop configuration. */
public class FooterMetadataWriteSupport extends ParquetWriteSupport {
  /** The write option (and Hadoop key) holding a JSON object of footer key-value pairs. */
  public static final String OPTION = "sparkgen.parquet.footer";

  @Override
  public WriteContext init(Configuration configuration) {
    WriteContext spark = super.init(configuration);
    String json = configuration.get(OPTION);
    if (json == null) {
      return spark;
    }
    Map<String, String> extra = new LinkedHashMap<>(spark.getExtraMetaData());
    for (Map.Entry<String, JsonElement> e : JsonParser.parseString(json).getAsJsonObject().entrySet()) {
      extra.put(e.getKey(), e.getValue().getAsString());
    }
    return new WriteContext(spark.getSchema(), extra);
  }
}
