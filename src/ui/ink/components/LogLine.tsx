import { Text } from 'ink';

export function LogLine({ level, message }: { level: 'info' | 'warn'; message: string }) {
  return level === 'warn' ? <Text color="yellow">⚠ warning: {message}</Text> : <Text dimColor> {message}</Text>;
}
