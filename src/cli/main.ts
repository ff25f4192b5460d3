#!/usr/bin/env node
/**
 * The `mmx` command line: parsing only; each command lives in `./commands/` and is imported when it runs,
 * so a command loads only its own modules (`mmx run` neither Redis's client nor the dataset downloader).
 */
import { Command, CommanderError } from 'commander';
import { MMX_VERSION } from '../version.js';
import { EXIT_USAGE } from './exit-codes.js';
import { absolutizeFolderVariables } from '../env-folders.js';

// user-errors knows every error class, so it imports most of mmx (tfjs included): it loads only for an error
const reportError = async (err: unknown): Promise<number> => (await import('./user-errors.js')).reportError(err, process.stderr);

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const io = { stdout: process.stdout, stderr: process.stderr };

async function main(argv: string[]): Promise<number> {
  let code = 0;
  // MMX_DATA_HOME, MMX_CACHE_DIR, MMX_SPOOL_DIR given relative mean relative to the folder the command was typed
  // in: made absolute here, once, so every module and every process mmx starts agrees (src/env-folders.ts)
  absolutizeFolderVariables(process.env, process.cwd());
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
    .option(
      '-s, --set <key=value>',
      'override a config value (repeatable), e.g. --set training.epochs=3; quote a key with dots: a["b.c"]=v',
      collect,
      [],
    )
    .option('--json', 'print one JSON summary on stdout at the end (progress goes to stderr)')
    .option('--plain', 'plain progress lines even on a terminal')
    .option('--no-cache', 'neither read nor write the feature cache (same as --set runtime.cache=false)')
    .option('--resume <run-id>', 'continue a FAILED, KILLED or dead RUNNING run from its last checkpoint, in the same run (same config)')
    .option(
      '--repeat <n>',
      'train and test N times (seeds seed..seed+N-1) as child runs of one parent with mean ± sd (same as --set training.repeats=N)',
    )
    .action(
      async (config: string, o: { set: string[]; json?: boolean; plain?: boolean; cache: boolean; resume?: string; repeat?: string }) => {
        const set = [
          ...o.set,
          ...(o.cache ? [] : ['runtime.cache=false']),
          ...(o.repeat !== undefined ? [`training.repeats=${o.repeat}`] : []),
        ];
        code = await (await import('./commands/run.js')).runCommand(config, { ...o, set }, io);
      },
    );

  program
    .command('sweep')
    .description(
      'hyperparameter search over the sweep: section (grid, random or bayes/TPE); one MLflow parent run, one child run per trial',
    )
    .argument('<config>', 'experiment YAML file with a sweep: section')
    .option('-s, --set <key=value>', 'override a config value for every trial (repeatable)', collect, [])
    .option('--resume <sweep-run-id>', 'continue an interrupted sweep without re-running its finished trials')
    .option('-o, --out <dir>', 'where best.yaml and trials.csv go (default: .mmx/sweeps/<run id prefix>)')
    .option('--json', 'print one JSON summary on stdout at the end')
    .option('--plain', 'plain progress lines even on a terminal')
    .option(
      '--queue <url>',
      'enqueue the trials on this Redis (redis://[:password@]HOST:PORT[/db], rediss:// for TLS) for `mmx worker`s to run',
    )
    .option('--no-cache', 'no trial reads or writes the feature cache (same as --set runtime.cache=false)')
    .action(
      async (
        config: string,
        o: { set: string[]; resume?: string; out?: string; json?: boolean; plain?: boolean; queue?: string; cache: boolean },
      ) => {
        const { cache, ...rest } = o;
        code = await (
          await import('./commands/sweep.js')
        ).sweepCommand(config, { ...rest, set: cache ? o.set : [...o.set, 'runtime.cache=false'] }, io);
      },
    );

  program
    .command('worker')
    .description('run sweep trials from a Redis queue (`mmx sweep --queue URL`), each in its own process')
    .requiredOption('--queue <url>', 'the Redis the sweep enqueues on: redis://[:password@]HOST:PORT[/db], rediss:// for TLS')
    .option('-c, --concurrency <n>', 'trials at a time, each pinned to its share of the cores', '1')
    .option('--backend <name>', 'compute backend for every trial (auto | tensorflow-gpu | tensorflow | wasm | cpu)')
    .option('--shared-store', "the sweep's local tracking store path is shared storage this host sees at the same path")
    .action(async (o: { queue: string; concurrency?: string; backend?: string; sharedStore?: boolean }) => {
      code = await (await import('./commands/worker.js')).workerCommand(o, io);
    });

  program
    .command('validate')
    .description('check configs against the schema and the data, reporting every problem')
    .argument('<configs...>', 'experiment YAML files')
    .option('-s, --set <key=value>', 'override a config value (repeatable)', collect, [])
    .action(async (configs: string[], o: { set: string[] }) => {
      code = (await import('./commands/validate.js')).validateCommand(configs, o, io);
    });

  program
    .command('runs')
    .description("compare runs from the tracking store (MLflow's filter syntax; on the file store mmx evaluates it)")
    .option('-e, --experiment <name>', 'experiment name (default: every experiment of a local store)')
    .option('--uri <uri>', 'tracking store (default: $MLFLOW_TRACKING_URI, else ./runs)')
    .option('--filter <expr>', `e.g. "metrics.test_accuracy > 0.9 and params.fusion.type = 'gated'"`)
    .option('--sort <keys>', 'e.g. -metrics.test_accuracy (a leading - sorts descending)', '-attributes.start_time')
    .option('--columns <list>', 'comma-separated metrics.X, params.Y, tags.Z (default: differing params and key metrics)')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--mark-dead', 'set the runs left RUNNING by a process that is gone (no heartbeat) to FAILED')
    .action(
      async (o: {
        markDead?: boolean;
        experiment?: string;
        uri?: string;
        filter?: string;
        sort?: string;
        columns?: string;
        limit?: string;
        json?: boolean;
        csv?: boolean;
      }) => {
        code = await (await import('./commands/runs.js')).runsCommand(o, io);
      },
    );

  program
    .command('predict')
    .description('predictions for new rows with a trained model and its preprocessing state')
    .argument('<run-or-model>', 'a run id (looked up in the tracking store) or a folder with model/model.json + preprocessing.json')
    .argument('<data>', 'manifest with the input columns (csv, tsv or jsonl); the label column is optional')
    .option('-o, --out <file>', 'write the CSV here instead of stdout')
    .option('--id-column <column>', "a column of the data to identify each prediction by (default: 'row', the manifest row)")
    .option('--split <name>', 'only rows of this split (train, validation or test), by the split column the model was trained with')
    .option('--uri <uri>', 'tracking store to find the run in (default: $MLFLOW_TRACKING_URI, else ./runs)')
    .option('--backend <name>', 'compute backend', 'auto')
    .action(
      async (source: string, data: string, o: { out?: string; idColumn?: string; split?: string; uri?: string; backend?: string }) => {
        code = await (await import('./commands/predict.js')).predictCommand(source, data, o, io);
      },
    );

  program
    .command('evaluate')
    .description('metrics and confusion matrix of a trained model on labelled rows')
    .argument('<run-or-model>', 'a run id or a folder with a saved model')
    .argument('<data>', 'labelled manifest (csv, tsv or jsonl)')
    .option('--split <name>', 'only rows of this split (train, validation or test)')
    .option('--uri <uri>', 'tracking store to find the run in')
    .option('--backend <name>', 'compute backend', 'auto')
    .option('--json', 'print the metrics as JSON')
    .option('--log', 'log the evaluation as a run linked to the training run (split, mmx version, git commit, data hash as tags)')
    .action(async (source: string, data: string, o: { split?: string; uri?: string; backend?: string; json?: boolean; log?: boolean }) => {
      code = await (await import('./commands/predict.js')).evaluateCommand(source, data, o, io);
    });

  program
    .command('serve')
    .description('serve a trained model over HTTP: POST /predict (JSON rows of raw inputs), GET /metadata, GET /health')
    .argument('<run-or-model>', "a run id (looked up in the tracking store) or a model folder (a run's artifacts/model)")
    .option('-p, --port <n>', 'port (0: any free port)', '8000')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--files <dir>', 'rows may name image and audio files by path under this folder (default: inline base64 only)')
    .option('--uri <uri>', 'tracking store to find the run in (default: $MLFLOW_TRACKING_URI, else ./runs)')
    .option('--backend <name>', 'compute backend', 'auto')
    .option('--max-rows <n>', 'most rows in one request', '1000')
    .option('--body-limit-mb <n>', 'largest request body, in MB', '20')
    .option('--max-batch <n>', 'most rows run through the model at once (requests are batched)', '64')
    .option('--batch-wait-ms <n>', 'how long a request waits for others to batch with', '2')
    .option('--log', 'one line per request on stderr')
    .action(async (source: string, o: import('./commands/serve.js').ServeCommandOptions) => {
      code = await (await import('./commands/serve.js')).serveCommand(source, o, io);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the config language (for editors)')
    .action(async () => {
      code = (await import('./commands/schema.js')).schemaCommand(io);
    });

  program
    .command('init')
    .description('write a starter config for a modality mix; it runs as is on a built-in data set')
    .argument('[file]', 'where to write it', 'experiment.yaml')
    .option('-t, --template <name>', 'image-audio (default) | text | tabular')
    .option('-f, --force', 'overwrite an existing file')
    .action(async (file: string, o: { force?: boolean; template?: string }) => {
      code = (await import('./commands/init.js')).initCommand(file, o, io);
    });

  const datasetsCmd = program
    .command('datasets')
    .description('built-in data sets: list them, download and prepare them, show where they are');
  datasetsCmd
    .command('list')
    .description('the built-in data sets, their licence and source, and whether they are prepared in the data home')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      code = (await import('./commands/datasets.js')).datasetsListCommand(o, io);
    });
  datasetsCmd
    .command('get')
    .description('download, verify and prepare data sets into MMX_DATA_HOME (a prepared copy there is used as is)')
    .argument('<names...>', 'data set names (mmx datasets list)')
    .option('-f, --force', 'download and prepare again even if a prepared copy is there')
    .option('--verify', 'check the sha256 of every file of a prepared copy')
    .option('--base-url <url>', 'download from a mirror: <url>/<dataset>/<file> (default $MMX_DATASETS_BASE_URL)')
    .action(async (names: string[], o: { force?: boolean; verify?: boolean; baseUrl?: string }) => {
      code = await (await import('./commands/datasets.js')).datasetsGetCommand(names, o, io);
    });
  datasetsCmd
    .command('path')
    .description('print the folder of a data set in the data home (with --manifest: its manifest.csv)')
    .argument('<name>', 'data set name')
    .option('--manifest', 'print the path of manifest.csv')
    .action(async (name: string, o: { manifest?: boolean }) => {
      code = (await import('./commands/datasets.js')).datasetsPathCommand(name, o, io);
    });

  const cacheCmd = program
    .command('cache')
    .description('the feature cache of decoded images and spectrograms: list its entries (mmx cache) or remove them (mmx cache clear)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      code = (await import('./commands/cache.js')).cacheListCommand(o, io);
    });
  cacheCmd
    .command('clear')
    .description('remove every entry of the feature cache and report what was freed')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      // `mmx cache clear --json`: commander hands --json to the parent command (it has one too)
      code = (await import('./commands/cache.js')).cacheClearCommand({ json: o.json ?? (cacheCmd.opts() as { json?: boolean }).json }, io);
    });

  program
    .command('sync')
    .description('send what runs spooled while their MLflow tracking server was unreachable')
    .argument('[runIds...]', 'only these runs (default: every spooled run)')
    .option('--uri <uri>', 'send to this tracking server instead of the one each spool was recorded for')
    .option('--spool-dir <dir>', 'spool folder (default $MMX_SPOOL_DIR, else $XDG_STATE_HOME/mmx/spool)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (runIds: string[], o: { uri?: string; spoolDir?: string; json?: boolean }) => {
      code = await (await import('./commands/sync.js')).syncCommand(runIds, o, io);
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(err);
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // tfjs and Ink may hold handles open; a finished command exits.
    setTimeout(() => process.exit(code), 50).unref();
  },
  async (err: unknown) => {
    process.exit(await reportError(err));
  },
);
