/** The floor's activities: nothing but telling the bench, in-process, when a milestone is reached. */

/** Milestones the bench waits for. */
export interface FloorMilestones {
  held(floorId: string): void;
  released(floorId: string): void;
}

/** Creates the floor's activities; `reachHeld` and `reachReleased` only report to the bench. */
export function createFloorActivities(milestones: FloorMilestones) {
  return {
    /** Does nothing: stands for a Stripe call or a notification. */
    async doNothing(): Promise<void> {},
    /** Stands for the `hold.held` notification. */
    async reachHeld(floorId: string): Promise<void> {
      milestones.held(floorId);
    },
    /** Stands for the `hold.released` notification. */
    async reachReleased(floorId: string): Promise<void> {
      milestones.released(floorId);
    },
  };
}
