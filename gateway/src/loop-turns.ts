let turn = 0;
let counting = false;

/**
 * The event loop's turns, counted while someone asks: a number that grows by one in each turn's
 * check phase (setImmediate), after that turn's poll phase has read the sockets. Anything sent at
 * turn T can have been answered, and the answer read, once loopTurn() passes T + 1. A backlog
 * processed without yielding to I/O stays in one turn.
 */
export function loopTurn(): number {
  if (!counting) {
    counting = true;
    setImmediate(() => {
      counting = false;
      turn += 1;
    });
  }
  return turn;
}
