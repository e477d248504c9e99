/**
 * Test helper: counts write() calls on a socket, passing each through — how many socket writes a
 * gear's frames took (the ISO 8583 gears batch a loop turn's frames into one write).
 */
import type { Socket } from 'node:net';

export function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]) => {
    counter.count++;
    return write(...args);
  }) as Socket['write'];
  return counter;
}
