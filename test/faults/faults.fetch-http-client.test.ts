/** The fault matrix (see `matrix.ts`) on `FetchHttpClient`. */
import { faultMatrix } from "./matrix.ts"

faultMatrix("FetchHttpClient")
