/** The learning tasks: what a target is and what the model's head predicts (see src/model/heads/tasks.ts). */
export const taskNames = ['classification', 'binary', 'multilabel', 'regression'] as const;
export type TaskName = (typeof taskNames)[number];

export function isTaskName(value: string): value is TaskName {
  return (taskNames as readonly string[]).includes(value);
}
