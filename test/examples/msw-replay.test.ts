/** examples/msw-replay: the users client tested against fixtures replayed by msw. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { SetupServer } from 'msw/node';
import { createUsersClient } from '../../examples/msw-replay/client.js';
import { startMockApi } from '../../examples/msw-replay/mock-api.js';

describe('examples/msw-replay', () => {
  let api: SetupServer;
  // The fixtures store `Bearer [REDACTED]`: any token replays them.
  const users = createUsersClient({ token: 'test-token' });

  beforeEach(async () => {
    api = await startMockApi();
  });
  afterEach(() => {
    api.close();
  });

  it('reads and creates users from the recorded responses', async () => {
    await expect(users.getUser(1)).resolves.toEqual({ id: 1, name: 'Ada' });
    await expect(users.createUser('Grace')).resolves.toEqual({ id: 2, name: 'Grace' });
  });

  it('replays a polled resource in recorded order, then keeps the last state', async () => {
    const states: string[] = [];
    for (let i = 0; i < 4; i++) states.push(await users.exportStatus());
    expect(states).toEqual(['queued', 'running', 'done', 'done']);
  });

  it('fails an unrecorded request with the explanation of the miss', async () => {
    await expect(users.getUser(3)).rejects.toThrow(
      [
        'GET /users/3 failed with 502: 502 Bad Gateway (PROXYTAPE_REPLAY_MISS)',
        'Failed to replay GET /users/3 (mode: replay, cassette: default): no fixture matches.',
        'Nearest: GET /users/1 in examples/msw-replay/fixtures/default/api.example.com/GET-users-1-682b58b9-0.json',
        '  - path: /users/3 ≠ /users/1',
        'Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.',
      ].join('\n'),
    );
  });
});
