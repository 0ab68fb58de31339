/**
 * The application code under test: a tiny client for a users API. It knows nothing
 * about proxytape or msw — it calls `fetch` against the real API URL.
 */

/** The API the fixtures were recorded against. */
export const API_URL = 'https://api.example.com/v1';

export interface User {
  id: number;
  name: string;
}

export interface UsersClient {
  getUser(id: number): Promise<User>;
  createUser(name: string): Promise<User>;
  /** The status of an export job; it moves on at every call (queued → running → done). */
  exportStatus(): Promise<string>;
}

/**
 * @example
 * ```ts
 * const users = createUsersClient({ token: process.env.API_TOKEN ?? '' });
 * await users.getUser(1); // { id: 1, name: 'Ada' }
 * ```
 */
export function createUsersClient(options: { token: string; baseUrl?: string }): UsersClient {
  const base = options.baseUrl ?? API_URL;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} failed with ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    getUser: (id) => call<User>('GET', `/users/${id}`),
    createUser: (name) => call<User>('POST', '/users', { name }),
    exportStatus: async () => (await call<{ status: string }>('GET', '/exports/42')).status,
  };
}
