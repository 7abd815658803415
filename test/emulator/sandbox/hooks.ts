/**
 * How the ECS handlers reach the sandbox of their world, when the emulator runs one: each hook is a
 * no-op in the default recording mode.
 */
import type { Image, Instance, World } from '../state.ts';
import type { Sandbox } from './sandbox.ts';

const sandboxes = new WeakMap<World, Sandbox>();

export function attachSandbox(world: World, sandbox: Sandbox): void {
  sandboxes.set(world, sandbox);
}

export function sandboxOf(world: World): Sandbox | undefined {
  return sandboxes.get(world);
}

export const sandboxHooks = {
  diskCreated(world: World, diskId: string, image: Image): void {
    sandboxes.get(world)?.diskCreated(diskId, image);
  },
  instanceStopped(world: World, instance: Instance): void {
    sandboxes.get(world)?.instanceStopped(instance);
  },
  instanceDeleted(world: World, instance: Instance): void {
    sandboxes.get(world)?.instanceDeleted(instance);
  },
  snapshotTaken(world: World, snapshotId: string, diskId: string): void {
    if (diskId !== '') sandboxes.get(world)?.snapshotTaken(snapshotId, diskId);
  },
};
