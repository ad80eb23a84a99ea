package dev.orchestrator.autoscale;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A recorded CPU-demand trace of one service: every {@link #STEP} seconds, the total demand in
 * millicores and how many replicas reported no value (-1: none reported at all). The CSV in
 * {@code src/test/resources/autoscale/cpu-demand-trace.csv} is {@code generate(42)}; regenerate it
 * with {@code main(path)}.
 */
final class Trace {
  static final int STEP = 5;
  static final int DURATION = 1800;
  static final String RESOURCE = "/autoscale/cpu-demand-trace.csv";
  private static final String HEADER = "second,demand_millicores,missing";

  /** One sample of the recording. */
  record Row(int second, long demand, int missing) {}

  private Trace() {}

  /** Quiet start, ramp, plateau, spike, plateau, fall, quiet, sudden step up; 5% noise; occasional gaps. */
  static List<Row> generate(long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int t = 0; t < DURATION; t += STEP) {
      double base;
      if (t < 120) {
        base = 500;
      } else if (t < 300) {
        base = 500 + (t - 120) * 4500.0 / 180;
      } else if (t < 600) {
        base = 5000;
      } else if (t < 660) {
        base = 9000;
      } else if (t < 1000) {
        base = 4000;
      } else if (t < 1100) {
        base = 4000 - (t - 1000) * 36.0;
      } else if (t < 1500) {
        base = 400;
      } else {
        base = 6000;
      }
      long demand = Math.max(0, Math.round(base * (1 + 0.05 * random.nextGaussian())));
      double gap = random.nextDouble();
      int missing = gap < 0.02 ? -1 : gap < 0.08 ? 1 + random.nextInt(2) : 0;
      rows.add(new Row(t, demand, missing));
    }
    return rows;
  }

  /**
   * What {@code replicas} replicas report at a row: the demand shared among them, skewed by
   * -10%, 0, +10% by replica index; the last {@code missing} report nothing. Null: no values.
   */
  static double[] values(Row row, int replicas) {
    int reporting = row.missing() < 0 ? 0 : replicas - row.missing();
    if (reporting <= 0) {
      return null;
    }
    double share = (double) row.demand() / replicas;
    double[] values = new double[reporting];
    for (int i = 0; i < reporting; i++) {
      values[i] = share * (1 + ((i % 3) - 1) * 0.1);
    }
    return values;
  }

  /** {@link #values} as the sample a {@link MetricsSource} would return. */
  static MetricSample sample(Row row, int replicas) {
    double[] values = values(row, replicas);
    Map<String, Double> byReplica = new LinkedHashMap<>();
    for (int i = 0; values != null && i < values.length; i++) {
      byReplica.put("web-" + i, values[i]);
    }
    return MetricSample.perReplica(byReplica);
  }

  static String toCsv(List<Row> rows) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    rows.forEach(r -> b.append(r.second()).append(',').append(r.demand()).append(',').append(r.missing()).append('\n'));
    return b.toString();
  }

  static List<Row> read() {
    try (InputStream in = Trace.class.getResourceAsStream(RESOURCE)) {
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      List<Row> rows = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        String[] f = lines[i].split(",");
        rows.add(new Row(Integer.parseInt(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2])));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Regenerates the CSV: {@code main("orchestrator-core/src/test/resources/autoscale/cpu-demand-trace.csv")}. */
  public static void main(String[] args) throws IOException {
    Files.writeString(Path.of(args[0]), toCsv(generate(42)));
  }
}
