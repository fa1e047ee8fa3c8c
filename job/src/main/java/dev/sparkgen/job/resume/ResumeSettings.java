package dev.sparkgen.job.resume;

import com.google.gson.Gson;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.config.Key;
import dev.sparkgen.job.config.Keys;
import dev.sparkgen.job.driver.ModelIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a resumed run must share with the run that committed the earlier slices, as text by name:
 * the model's and the tokenizer's sha256 (not their paths: a moved folder resumes), the chat
 * template's sha256 with its special tokens (the text rows are rendered with, wherever it came from:
 * the model folder, chat_template_file or a named template), the resolved
 * generation settings (the job's keys over the model's generation_config.json, by Hugging Face
 * name), and every job key that can change a row's values or which rows there are (input, columns,
 * formats, chat, truncation, response_format, slices, ...). Not compared, as they change neither:
 * where and how the job runs ({@link #NOT_COMPARED}: master, partitions, batch_size (a row alone
 * equals the row in a batch), weights_distribution, max_batch_memory, spark_ui, progress_interval,
 * the testing hook fault, on_error (a slice with a bad row under on_error=fail is never committed),
 * and the output and mode themselves).
 */
public final class ResumeSettings {
  /** Job keys that change neither values nor rows. */
  public static final Set<String> NOT_COMPARED = Set.of("model", "tokenizer", "output", "mode", "batch_size",
      "partitions", "master", "weights_distribution", "max_batch_memory", "fault", "spark_ui", "on_error",
      "progress_interval", "dry_run");

  private ResumeSettings() {}

  /**
   * The settings of a run, by name: {@code model.sha256}, {@code tokenizer.sha256} ("" without a
   * tokenizer), {@code chat_template.sha256} ("" when no row is rendered), the job keys compared,
   * and the resolved generation settings.
   */
  public static Map<String, String> of(JobConfig cfg, ModelIdentity model, String tokenizerSha256,
      String chatTemplateSha256, Map<String, Object> generation) {
    Set<String> generationKeys = new TreeSet<>();
    for (Key k : Keys.all()) {
      if (k.generation()) {
        generationKeys.add(k.name());
      }
    }
    Map<String, String> out = new TreeMap<>();
    out.put("model.sha256", model.sha256());
    out.put("tokenizer.sha256", tokenizerSha256 == null ? "" : tokenizerSha256);
    out.put("chat_template.sha256", chatTemplateSha256 == null ? "" : chatTemplateSha256);
    cfg.asMap().forEach((k, v) -> {
      if (!NOT_COMPARED.contains(k) && !generationKeys.contains(k)) { // generation keys: their resolved values below
        out.put(k, v);
      }
    });
    Gson gson = new Gson();
    generation.forEach((k, v) -> out.put(k, v instanceof String s ? s : gson.toJson(v)));
    return out;
  }

  /**
   * Each setting whose value differs, as {@code name: earlier VALUE, now VALUE} (a setting one side
   * lacks reads "(unset)"); empty when the runs match.
   */
  public static List<String> differences(Map<String, String> earlier, Map<String, String> now) {
    Set<String> names = new TreeSet<>(earlier.keySet());
    names.addAll(now.keySet());
    List<String> out = new ArrayList<>();
    for (String n : names) {
      String a = earlier.get(n);
      String b = now.get(n);
      if (a == null ? b != null : !a.equals(b)) {
        out.add(n + ": earlier " + shown(a) + ", now " + shown(b));
      }
    }
    return out;
  }

  private static String shown(String v) {
    return v == null ? "(unset)" : "'" + v + "'";
  }
}
