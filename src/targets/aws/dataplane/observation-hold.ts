/**
 * Holds back the data planes' polls of the control plane while a fault's effecting call is in flight:
 * an emulator applies a call (TerminateInstances, FailoverDBCluster) before faildrill hears it return,
 * and a plane that read the control plane meanwhile would report the effect before the fault took
 * effect. The session refreshes the planes once it did.
 */
export class ObservationHold {
  #holders = 0;

  /** Whether a poll should read nothing now. */
  get held(): boolean {
    return this.#holders > 0;
  }

  /** Holds until the returned release is called (safe to call twice). */
  hold(): () => void {
    this.#holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holders--;
    };
  }
}
