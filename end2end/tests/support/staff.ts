import { execFileSync } from 'node:child_process';
import { newPerson, Person } from './app';
import type { Server } from './servers';

/**
 * A staff account (a superuser), made as an operator makes one: with the server binary's
 * `createsuperuser` command, on the server's own database.
 */
export function staffAccount(server: Server, tag: string): Person {
  const person = newPerson(tag);
  execFileSync(server.binary, ['createsuperuser', '--username', person.username, '--email', person.email, '--noinput'], {
    env: { ...process.env, ...server.env, GATEHOUSE_SUPERUSER_PASSWORD: person.password },
    stdio: 'pipe',
  });
  return person;
}
