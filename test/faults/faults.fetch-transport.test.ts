/** The fault matrix (see `matrix.ts`) on `FetchTransport`. */
import { faultMatrix } from "./matrix.ts"

faultMatrix("FetchTransport")
