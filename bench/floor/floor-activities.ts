/**
 * The floor's activities: nothing, except telling the bench when a milestone is reached the way a
 * booking does, by POSTing a notification to the booking service's callback URL.
 */

/** Creates the floor's activities; the milestone ones POST `{ type, bookingId }` to `callbackUrl`. */
export function createFloorActivities(options: { callbackUrl: string }) {
  const notify = async (type: string, floorId: string) => {
    const response = await fetch(options.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type, bookingId: floorId }),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`callback answered ${response.status}`);
  };
  return {
    /** Does nothing: stands for a Stripe call or a database write. */
    async doNothing(): Promise<void> {},
    /** Stands for the `hold.held` notification. */
    async reachHeld(floorId: string): Promise<void> {
      await notify('hold.held', floorId);
    },
    /** Stands for the `hold.released` notification. */
    async reachReleased(floorId: string): Promise<void> {
      await notify('hold.released', floorId);
    },
  };
}
