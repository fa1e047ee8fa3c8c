package dev.sparkgen.model.generate.constraint;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;

/** JSON Schema validation by networknt's validator (draft 2020-12, formats asserted): the tests' independent judge. */
public final class SchemaValidation {
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private final Schema schema;

  private SchemaValidation(Schema schema) {
    this.schema = schema;
  }

  /** A validator for the schema's JSON text. */
  public static SchemaValidation of(String schemaJson) {
    return new SchemaValidation(REGISTRY.getSchema(schemaJson, InputFormat.JSON));
  }

  /** The validation errors of {@code json} (a parse error is one too); empty when valid. */
  public List<String> errors(String json) {
    try {
      List<Error> errors = schema.validate(json, InputFormat.JSON,
          ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
      return errors.stream().map(Error::toString).toList();
    } catch (RuntimeException e) {
      return List.of("not JSON: " + e.getMessage());
    }
  }
}
