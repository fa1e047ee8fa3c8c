package dev.sparkgen.job.io;

import org.apache.hadoop.mapreduce.Job;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's Parquet format, writing extra key-value pairs into every file's footer. Spark's own writer
 * offers no hook for that, so this swaps in {@link FooterMetadataWriteSupport}, which adds the pairs
 * given as the write option {@value FooterMetadataWriteSupport#OPTION}. Use it as
 * {@code df.write().format(FooterMetadataFormat.class.getName())}; the files are plain Parquet.
 */
public class FooterMetadataFormat extends ParquetFileFormat {
  private static final long serialVersionUID = 1L;

  @Override
  public OutputWriterFactory prepareWrite(SparkSession session, Job job,
      scala.collection.immutable.Map<String, String> options, StructType dataSchema) {
    OutputWriterFactory factory = super.prepareWrite(session, job, options, dataSchema);
    // super set Spark's write support; the output writers instantiate whatever class is set here.
    job.getConfiguration().setClass(ParquetOutputFormat.WRITE_SUPPORT_CLASS, FooterMetadataWriteSupport.class,
        WriteSupport.class);
    if (options.contains(FooterMetadataWriteSupport.OPTION)) {
      job.getConfiguration().set(FooterMetadataWriteSupport.OPTION, options.apply(FooterMetadataWriteSupport.OPTION));
    }
    return factory;
  }

  @Override
  public String toString() {
    return "Parquet+footer";
  }
}
