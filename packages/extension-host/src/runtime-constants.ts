/** The child's end of the frame pipe (stdio index 3); the runtime opens it as a socket (child/port.ts). */
export const FRAME_FD = 3;
