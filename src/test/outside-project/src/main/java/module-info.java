/** A device of its own, served with jvfio: it reads only the packages module dev.jvfio exports. */
module com.example.outside {
    requires dev.jvfio;
}
