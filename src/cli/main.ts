#!/usr/bin/env node
/** The `mmx` command line: parsing only; each command lives in `./commands/`. */
import { Command, CommanderError } from 'commander';
import { MMX_VERSION } from '../version.js';
import { initCommand } from './commands/init.js';
import { evaluateCommand, predictCommand } from './commands/predict.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { EXIT_USAGE, reportError } from './user-errors.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const io = { stdout: process.stdout, stderr: process.stderr };

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('mmx')
    .description('Declarative multimodal deep learning: one YAML file in, a trained model and an MLflow run out.')
    .version(MMX_VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();

  program
    .command('run')
    .description('validate, prepare data, train, evaluate and log one experiment')
    .argument('<config>', 'experiment YAML file')
    .option('-s, --set <key=value>', 'override a config value (repeatable), e.g. --set training.epochs=3', collect, [])
    .option('--json', 'print one JSON summary on stdout at the end (progress goes to stderr)')
    .option('--plain', 'plain progress lines even on a terminal')
    .action(async (config: string, o: { set: string[]; json?: boolean; plain?: boolean }) => {
      code = await runCommand(config, o, io);
    });

  program
    .command('validate')
    .description('check configs against the schema and the data, reporting every problem')
    .argument('<configs...>', 'experiment YAML files')
    .option('-s, --set <key=value>', 'override a config value (repeatable)', collect, [])
    .action((configs: string[], o: { set: string[] }) => {
      code = validateCommand(configs, o, io);
    });

  program
    .command('predict')
    .description('predictions for new rows with a trained model and its preprocessing state')
    .argument('<run-or-model>', 'a run id (looked up in the tracking store) or a folder with model/model.json + preprocessing.json')
    .argument('<data>', 'manifest with the input columns (csv, tsv or jsonl); the label column is optional')
    .option('-o, --out <file>', 'write the CSV here instead of stdout')
    .option('--split <name>', 'only rows of this split (train, validation or test), by the split column the model was trained with')
    .option('--uri <uri>', 'tracking store to find the run in (default: $MLFLOW_TRACKING_URI, else ./runs)')
    .option('--backend <name>', 'compute backend', 'auto')
    .action(async (source: string, data: string, o: { out?: string; split?: string; uri?: string; backend?: string }) => {
      code = await predictCommand(source, data, o, io);
    });

  program
    .command('evaluate')
    .description('metrics and confusion matrix of a trained model on labelled rows')
    .argument('<run-or-model>', 'a run id or a folder with a saved model')
    .argument('<data>', 'labelled manifest (csv, tsv or jsonl)')
    .option('--split <name>', 'only rows of this split (train, validation or test)')
    .option('--uri <uri>', 'tracking store to find the run in')
    .option('--backend <name>', 'compute backend', 'auto')
    .option('--json', 'print the metrics as JSON')
    .option('--log', 'log the evaluation as a new run linked to the training run')
    .action(async (source: string, data: string, o: { split?: string; uri?: string; backend?: string; json?: boolean; log?: boolean }) => {
      code = await evaluateCommand(source, data, o, io);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the config language (for editors)')
    .action(() => {
      code = schemaCommand(io);
    });

  program
    .command('init')
    .description('write a starter config')
    .argument('[file]', 'where to write it', 'experiment.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action((file: string, o: { force?: boolean }) => {
      code = initCommand(file, o, io);
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(err, process.stderr);
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // tfjs and Ink may hold handles open; a finished command exits.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    process.exit(reportError(err, process.stderr));
  },
);
