/** `mmx schema`: the JSON Schema of the config language, for editors. */
import { experimentJsonSchema } from '../../experiment/schema.js';

export function schemaCommand(io: { stdout: NodeJS.WritableStream }): number {
  io.stdout.write(JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
  return 0;
}
